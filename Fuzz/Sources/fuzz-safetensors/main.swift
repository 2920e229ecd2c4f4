import FuzzDriver
import FuzzTargets
import Foundation

/// One input: libFuzzer's bytes, handed to the library entry point.
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    fuzzSafetensors(UnsafeBufferPointer(start: data, count: size))
    return 0
}

// SwiftPM gives this executable a Swift `main`, so libFuzzer's own is never linked: run its driver
// (same flags, same loop) from here.
var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, testOneInput))
