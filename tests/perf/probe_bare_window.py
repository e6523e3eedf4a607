"""Floor for start-up: a bare PySide6 window, started as its own process, shown, then quit."""

import os
import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget

app = QApplication(sys.argv)
w = QWidget()
w.setWindowTitle("bare")
w.resize(420, 320)
w.show()


def shown() -> None:
    print("SHOWN", flush=True)
    os._exit(0)


QTimer.singleShot(0, shown)
app.exec()
