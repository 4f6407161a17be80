"""What one attempt on any channel came to, before the retry policy judges it.

Two texts: `error` is what anyone following the delivery may read (a status class such as
"timeout" or "http_5xx", or our own words about the configuration), `detail` what the receiver
or the network said (its answer's text, a redirect's target, refused or reset), for operators
only: shown to subscribers or agency staff it would make the sender a port scanner."""

from dataclasses import dataclass, field

# The status classes: the guard refused the destination; no answer in time; no connection, or it
# broke (refused, reset, closed, TLS, a name that does not resolve); the receiver answered 3xx...
REFUSED, TIMEOUT, UNREACHABLE = "refused", "timeout", "unreachable"


def http_class(status: int) -> str:
    return f"http_{status // 100}xx"


@dataclass(frozen=True)
class Outcome:
    status: int | None = None  # HTTP status, or an SMTP reply code; None when nothing answered
    error: str = ""  # why nothing usable answered, as a status class or our own words
    retry_after: float | None = None  # seconds the receiver asked us to wait
    duration_ms: int = 0
    transient: bool = True  # for errors without a status: worth trying again?
    config_problem: bool = False  # the agency's configuration is at fault (URL, key, secret)
    details: dict = field(default_factory=dict)  # channel extras: the remote service_request_id ...
    detail: str = ""  # what the receiver or the network said: operators only

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300 and not self.error

    def describe(self) -> str:
        """The public text: never the receiver's words."""
        if self.error:
            return self.error
        return http_class(self.status) if self.status else "no answer"
