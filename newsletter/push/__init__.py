"""`newsletter push`: a built email -> a draft campaign in the mailing service.

In: an issue file (built first, its checks run) or a built folder, and the
`[push.<service>]` settings. Out: a draft created or updated in the service,
its id remembered in the folder's push.json. Nothing here ever schedules or
sends a campaign. `run.py` drives it; one module per service speaks its API.
"""
