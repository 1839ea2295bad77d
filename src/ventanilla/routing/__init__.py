"""Who gets a conversation: the least-loaded eligible agent of an area, else the area's queue.

See docs/routing.md. Everything here goes through `services`.
"""
