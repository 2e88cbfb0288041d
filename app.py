"""Start the FOI drafting app: `python app.py` is the same as `foi serve`."""
from assistant.ui.app import launch

if __name__ == "__main__":
    launch()
