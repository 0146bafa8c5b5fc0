"""The Gradio chat UI (`ui.app.build_ui`), mounted at `/` by `qa.server`."""
