import GraphLearning
@main struct Main { static func main() { print("ok") } }
