"""File exports: streamed, formula-safe, with the time zone stated."""
