"""FuseSoC generator `resq_model`: runs resq.hdlgen.generator (install resq-hdlgen into the
python3 that FuseSoC finds on PATH)."""

import sys

try:
    from resq.hdlgen.generator import main
except ImportError as error:
    sys.exit(f"resq_model: resq-hdlgen is not installed in {sys.executable}: {error}")

sys.exit(main())
