"""Where orders may go: each venue declared in limits.yaml, the jurisdictions it may be used
from and the symbols it may trade. A venue that is not declared is not used (default deny).
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_serializer

# ISO 3166-1 alpha-2 ("GB", "DE"), optionally with a subdivision ("US-NY"); "*" = any.
JURISDICTION_RE = re.compile(r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$")
ANY_JURISDICTION = "*"
VENUE_ID_RE = r"^[a-z0-9][a-z0-9_.-]{0,31}$"


def canonical_jurisdiction(code: str) -> str:
    if code != ANY_JURISDICTION and not JURISDICTION_RE.fullmatch(code):
        raise ValueError(f"jurisdiction {code!r} is not an ISO 3166 code: write two upper-case "
                         "letters such as GB or DE (a subdivision as US-NY), or \"*\" for any")
    return code


Jurisdiction = Annotated[str, AfterValidator(canonical_jurisdiction)]
VenueId = Annotated[str, Field(pattern=VENUE_ID_RE)]


class VenueRules(BaseModel):
    """One venue the gateway may trade on."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    jurisdictions: frozenset[Jurisdiction] = Field(min_length=1)
    """Where the venue may be used from: ISO 3166 codes of the producers and operators
    allowed to trade on it; "*" means from anywhere (e.g. the paper venue)."""

    symbols: frozenset[str] | None = None
    """Symbols it may trade (each must be on the allowlist); absent: every allowlisted one."""

    @field_serializer("jurisdictions", "symbols")
    def _sorted(self, value: frozenset[str] | None) -> list[str] | None:
        # Sorted, so diffs, summaries and signed documents are the same in every process.
        return None if value is None else sorted(value)

    def serves(self, jurisdiction: str | None) -> bool:
        """May someone registered in `jurisdiction` (None: none on record) use this venue?"""
        if ANY_JURISDICTION in self.jurisdictions:
            return True
        return jurisdiction is not None and jurisdiction in self.jurisdictions

    def trades(self, symbol: str) -> bool:
        return self.symbols is None or symbol in self.symbols

    def served(self) -> str:
        return ", ".join(sorted(self.jurisdictions))
