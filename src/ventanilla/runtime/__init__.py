"""Running the desk: what `ventanilla serve`, `web`, `worker`, `prepare` and `seed_demo` start
(`processes`), and the demo desk (`demo`)."""
