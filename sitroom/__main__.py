from sitroom.app.cli import main

raise SystemExit(main())
