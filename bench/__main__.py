from bench.nearest import main

main()
