"""The HTTP layer every front shares (native API, OGC, Open311): methods, statement timeouts and
error shapes. It imports none of the fronts; each registers its own error shape for its URL
prefix (errors.register) when its app is ready."""
