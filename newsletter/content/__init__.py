"""Issue -> Content: blocks, action cards, labels, links, calendar links and
placeholders as markers. Nothing here knows which mailing service is used."""
