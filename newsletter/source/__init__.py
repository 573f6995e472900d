"""Files -> Issue: front matter, dates, event fields and raw HTML as a safe node tree."""
