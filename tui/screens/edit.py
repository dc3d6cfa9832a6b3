"""EditModal: reduce the quantity or tighten the limit price of one order, nothing else.

The desk refuses a growing or loosening edit before sending it, to say why at once; the
gateway applies the same rule and re-checks every limit, so this is a courtesy, not a guard.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label

from gateway.api.schemas import OrderOut
from gateway.domain.money import fmt
from tui.format import order_title


@dataclass(frozen=True)
class Edit:
    quantity: Decimal | None
    limit_price: Decimal | None


def parse_edit(order: OrderOut, quantity_text: str, price_text: str) -> Edit | str:
    """The edit, or a sentence saying what is wrong with it."""
    try:
        quantity = Decimal(quantity_text.strip()) if quantity_text.strip() else order.quantity
        price = Decimal(price_text.strip()) if price_text.strip() else order.limit_price
    except InvalidOperation:
        return "Quantity and price must be plain decimal numbers such as 0.15."
    if not Decimal(0) < quantity <= order.quantity:
        return f"The quantity may only be reduced: above 0 and at most {fmt(order.quantity)}."
    if price is not None and order.limit_price is not None:
        looser = price > order.limit_price if order.side == "buy" else price < order.limit_price
        if price <= 0 or looser:
            way = "lowered" if order.side == "buy" else "raised"
            return f"A {order.side} order's limit price may only be {way} (tightened)."
    new_qty = None if quantity == order.quantity else quantity
    new_price = None if price == order.limit_price else price
    if new_qty is None and new_price is None:
        return "Nothing changed: reduce the quantity or tighten the price."
    return Edit(new_qty, new_price)


class EditModal(ModalScreen[Edit | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="cancel")]

    def __init__(self, order: OrderOut) -> None:
        super().__init__()
        self.order = order

    def compose(self) -> ComposeResult:
        order = self.order
        price = "" if order.limit_price is None else str(order.limit_price)
        with Vertical(id="edit-dialog"):
            yield Label(f"Edit {order_title(order)}", id="edit-title", markup=False)
            yield Label(f"Order {order.id}, version {order.version}. Side and symbol never "
                        "change; the gateway re-checks every limit.", markup=False)
            yield Label("Quantity (reduce only)")
            yield Input(str(order.quantity), id="edit-quantity")
            yield Label("Limit price (tighten only)")
            yield Input(price, id="edit-price", disabled=order.limit_price is None)
            with Horizontal(id="edit-buttons"):
                yield Button("Save edit", id="confirm", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#edit-quantity", Input).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#confirm")
    def _confirm(self) -> None:
        quantity = self.query_one("#edit-quantity", Input).value
        price = self.query_one("#edit-price", Input).value
        result = parse_edit(self.order, quantity, price)
        if isinstance(result, str):
            self.notify(result, severity="warning", markup=False)
            return
        self.dismiss(result)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
