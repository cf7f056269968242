"""Video on screen: the JPEG decoder the video hub runs on its threads, and the tiles that show streams."""
