"""What the fronts (the native API, Open311, the officers' workspace) share when they turn a request
into a complaints command: below each protocol, above complaints/ and photos/."""
