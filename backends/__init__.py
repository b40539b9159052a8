"""The marketplace APIs, one package each behind one Protocol (`base.py`), and what they share (`http/`)."""
