"""Groups and crews: members with their source and dates, group call-ins and who attended."""
