"""What every object owning a library handle shares: `_free`, a
weakref.finalize that frees the handle (once, at close() or when the object
is collected), `closed`, close() and the with-statement."""


class Handle:
    @property
    def closed(self):
        return not self._free.alive

    def close(self):
        """Frees the handle.  Idempotent; using a closed object raises."""
        self._free()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
