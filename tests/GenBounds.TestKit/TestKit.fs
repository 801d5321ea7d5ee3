namespace GenBounds.TestKit
