print("k3s")
