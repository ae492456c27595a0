from mediasift.cli import main

main()
