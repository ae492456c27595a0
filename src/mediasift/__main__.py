from mediasift.cli.main import main

main()
