"""Turn a DeskError into a sentence a trader can act on: what happened, what to do next."""

from __future__ import annotations

from tui.client import DeskError


def explain(error: DeskError, action: str) -> str:
    """`action` is a phrase such as "approve order 01H..." or "halt trading"."""
    detail = f" ({error.message})" if error.message else ""
    if error.outcome_unknown:
        return (
            f"No reply while trying to {action}: it may or may not have been applied. "
            "Do not repeat it blindly; the queue shows the truth once the desk reconnects."
        )
    if error.status == 0:
        return f"Could not {action}: the gateway is unreachable{detail}. Nothing was changed."
    if error.status == 409:
        return (
            f"Could not {action}: the order changed or was already decided since you saw it"
            f"{detail}. The queue is refreshed; review the order again before deciding."
        )
    if error.status == 403:
        return (
            f"Not allowed to {action}{detail}. Your token lacks the role; "
            "ask a risk officer or admin to do it."
        )
    if error.status == 401:
        return f"The gateway refused the token{detail}. Restart the desk with a valid --token."
    if error.status == 404:
        return f"Could not {action}: it no longer exists{detail}. The queue is refreshed."
    if error.status == 503:
        return (
            f"Could not {action}: the gateway is halted or unavailable{detail}. "
            "Check the halt banner; a risk officer or admin can resume."
        )
    if error.status == 422:
        where = f" in {error.field}" if error.field else ""
        return f"The gateway refused the request to {action}{where}{detail}. Correct it and retry."
    return f"Could not {action}: {error.status} {error.code}{detail}."
