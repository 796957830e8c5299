# STAND-IN: replaced by the JWT feature at merge
"""Access tokens (stand-in package; the JWT feature provides the real one)."""
