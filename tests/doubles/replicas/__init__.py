# Replicas of the utilities' ArcGIS servers and of GridX, for the demo and the tests.
