"""The web archive: each issue's web version, the index, the Atom feed and the .ics files."""
