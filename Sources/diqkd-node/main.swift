DIQKDNode.main()
