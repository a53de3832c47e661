import SwiftUnshare

Unshare.main(Unshare.commandLine())
