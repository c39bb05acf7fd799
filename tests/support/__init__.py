"""shared helpers for the tests (not tests themselves): browser and voila servers, waiting,
checks on a rendered dashboard. import as `from support.waiting import settles`."""
