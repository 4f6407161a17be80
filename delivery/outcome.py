"""What one attempt on any channel came to, before the retry policy judges it."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Outcome:
    status: int | None = None  # HTTP status, or an SMTP reply code; None when nothing answered
    error: str = ""  # why nothing usable answered: refused, timed out, malformed URL ...
    retry_after: float | None = None  # seconds the receiver asked us to wait
    duration_ms: int = 0
    transient: bool = True  # for errors without a status: worth trying again?
    config_problem: bool = False  # the agency's configuration is at fault (URL, key, secret)
    details: dict = field(default_factory=dict)  # channel extras: the remote service_request_id ...

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300 and not self.error

    def describe(self) -> str:
        if self.error:
            return self.error
        return f"HTTP {self.status}" if self.status else "no answer"
