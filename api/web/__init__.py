"""The web app: server-rendered pages (Jinja) over the same runners, stores and answer
pipeline as the API, for people who do not write curl (DESIGN §14, docs/web.md)."""
