"""Sending a finished PDF (written by reportlab) to a printer the user picks.

pyside6-essentials has no QtPdf, so Qt cannot paint a PDF onto a QPrinter. The user chooses the
printer and the number of copies in the standard QPrintDialog, and the PDF goes to the system's
print spooler, which understands PDF: ``lp`` (CUPS, Linux and macOS), or the shell's "print"
verb on Windows. Where neither exists, the user is told where the saved PDF is.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QDialog, QMessageBox, QWidget


def spooler_command(pdf: Path, printer: str, copies: int) -> list[str] | None:
    """The command that prints ``pdf`` on ``printer``, or None when there is no spooler."""
    lp = shutil.which("lp")
    if lp is None:
        return None
    command = [lp]
    if printer:
        command += ["-d", printer]
    if copies > 1:
        command += ["-n", str(copies)]
    return [*command, "--", str(pdf)]


def print_pdf(parent: QWidget | None, pdf: Path, title: str) -> bool:
    """Ask for a printer, then spool the PDF. Returns True when it was handed to the printer."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setDocName(title)
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle(f"Print — {title}")
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return False
    command = spooler_command(pdf, printer.printerName(), max(1, printer.copyCount()))
    try:
        if command is not None:
            result = subprocess.run(command, capture_output=True, text=True, timeout=30)
            if result.returncode != 0:
                raise OSError(result.stderr.strip() or f"lp exited with {result.returncode}")
        elif sys.platform == "win32":
            os.startfile(str(pdf), "print")  # type: ignore[attr-defined]
        else:
            QMessageBox.information(
                parent, title,
                f"No print spooler was found on this computer. The PDF is saved at:\n{pdf}")
            return False
    except (OSError, subprocess.SubprocessError) as exc:
        QMessageBox.warning(parent, title, f"The document could not be printed: {exc}\n"
                                           f"The PDF is saved at:\n{pdf}")
        return False
    return True
