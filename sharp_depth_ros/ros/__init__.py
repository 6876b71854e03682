"""The ROS 2 node and its helpers: the only sub-package that imports rclpy or sensor_msgs."""
