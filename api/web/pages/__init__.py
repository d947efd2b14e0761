"""One module of pages per domain; `api.web.router` assembles them."""
