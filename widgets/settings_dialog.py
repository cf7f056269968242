"""Settings: the interface's language, and who is logged in with which role."""

from __future__ import annotations

from PySide6 import QtWidgets

from sitroom.widgets import labels

LANGUAGES = (("ko", "한국어"), ("en", "English"))


class SettingsDialog(QtWidgets.QDialog):
    def __init__(self, language: str, who: str, role: str, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Settings"))
        self.lang = QtWidgets.QComboBox()
        for code, name in LANGUAGES:  # each in its own language, so anyone finds theirs
            self.lang.addItem(name, code)
        self.lang.setCurrentIndex(max(0, self.lang.findData(language)))
        form = QtWidgets.QFormLayout(self)
        form.addRow(self.tr("Language"), self.lang)
        form.addRow(self.tr("Logged in"), QtWidgets.QLabel(f"{who} ({labels.role(role)})"))
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Ok
                                             | QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def language(self) -> str:
        return str(self.lang.currentData())


class LoginDialog(QtWidgets.QDialog):
    """A name and a PIN or password (users.toml); says why when they do not match."""

    def __init__(self, store, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.user = None
        self.setWindowTitle(self.tr("SitRoom — log in"))
        self.name = QtWidgets.QLineEdit()
        self.secret = QtWidgets.QLineEdit()
        self.secret.setEchoMode(QtWidgets.QLineEdit.EchoMode.Password)
        self.error = QtWidgets.QLabel()
        self.error.setProperty("state", "bad")
        form = QtWidgets.QFormLayout(self)
        form.addRow(self.tr("Name"), self.name)
        form.addRow(self.tr("PIN or password"), self.secret)
        form.addRow(self.error)
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Ok
                                             | QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._try)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _try(self) -> None:
        from sitroom.services.access import LoginError

        try:
            self.user = self.store.login(self.name.text().strip(), self.secret.text())
        except LoginError:
            self.secret.clear()
            self.error.setText(self.tr("Unknown name or wrong PIN."))
            return
        self.accept()
