from django.dispatch import Signal

# Sent inside the transaction that closes a round, with `round` and `actor`: apps later in
# the data flow (scoring locks the round's sheets) react without scheduling importing them.
round_closed = Signal()
