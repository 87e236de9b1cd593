"""Statistics shared by the program's reports: the tables they publish and the disclosure
control that protects small counts in them (the monthly report, the disparity report, and
whatever report comes next). Plain data and numerics: no database, no Django models."""
