"""The storytelling engine (DESIGN §13): facts from the query runners and marts → insights
→ a document plan → text, every number a claim. The engine modules import no FastAPI."""
