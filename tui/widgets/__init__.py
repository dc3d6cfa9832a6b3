"""Desk widgets: each renders one part of the desk's state and owns no I/O."""

from tui.widgets.banners import FeedBanner, HaltBanner, VenueBanner
from tui.widgets.detail import OrderDetail
from tui.widgets.queue import OrderQueue

__all__ = ["FeedBanner", "HaltBanner", "OrderDetail", "OrderQueue", "VenueBanner"]
