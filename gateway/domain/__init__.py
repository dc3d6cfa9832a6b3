"""The pure decision core: plain values in, decisions out. No I/O, no clock reads."""
