"""Hospital-based violence intervention: the referral from the bedside and the bedside visits."""
