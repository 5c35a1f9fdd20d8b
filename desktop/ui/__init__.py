"""The desktop GUI (PySide6 lives only here). Start it with ``desktop.ui.app.run_gui``."""
