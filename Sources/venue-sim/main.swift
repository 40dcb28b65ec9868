print("venue-sim")
