print("k3s-bench")
