"""The frame of one message: the channel-neutral inbound, the router and the dispatcher."""
