"""The Textual user interface and Rich rendering helpers."""
