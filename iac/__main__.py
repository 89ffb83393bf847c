from iac.cli import main

main()
