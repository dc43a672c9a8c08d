print("kubeapi-gen")
