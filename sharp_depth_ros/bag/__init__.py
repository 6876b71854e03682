"""Offline depth for recorded rosbag2 bags (MCAP or sqlite3) with rosbags: no ROS install needed."""
