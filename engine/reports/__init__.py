"""Reports in words: Markdown summaries (:mod:`.text`) and report.html (:mod:`.html`)."""
